#!/usr/bin/env nextflow
/*
 * scratchflow: per-mouse scratching counts from videos of mice.
 *
 *   nextflow run . -profile test,docker
 *   nextflow run . --input videos/ --model dlc_project/ --outdir results -profile docker
 *   nextflow run . --input samplesheet.csv --model s3://bucket/dlc_project -profile awsbatch
 *
 * See docs/nextflow.md.
 */

include { validateParameters; paramsSummaryLog; samplesheetToList } from 'plugin/nf-schema'
include { SCRATCHFLOW } from './workflows/scratchflow'

// Video files found in an --input folder (or S3 prefix); each pairs with <stem>.txt.
def videoGlob(input) {
    def prefix = input.toString().replaceAll('/+$', '')
    return "${prefix}/*.{mp4,MP4,avi,AVI,mov,MOV,mkv,MKV}"
}

// An experiment's name: --experiment, else the --input folder's or samplesheet's name.
def experimentName(input) {
    if (params.experiment) {
        return params.experiment
    }
    def name = file(input.toString()).name
    return name.endsWith('.csv') ? name - '.csv' : name
}

workflow {

    main:
    if (params.validate_params) {
        validateParameters()
    }
    log.info(paramsSummaryLog(workflow))

    def experiment = experimentName(params.input)

    if (params.input.toString().endsWith('.csv')) {
        // Samplesheet: sample,video,metadata[,experiment], checked by assets/schema_input.json.
        ch_raw = channel
            .fromList(samplesheetToList(params.input, "${projectDir}/assets/schema_input.json"))
            .map { meta, video, metadata ->
                [meta + [experiment: meta.experiment ?: experiment], video, metadata]
            }
    }
    else {
        // Folder or S3 prefix: every video with a metadata TXT of the same stem.
        ch_videos = channel
            .fromPath(videoGlob(params.input), checkIfExists: true)
            .map { video -> [video.baseName, video] }
        ch_txts = channel
            .fromPath("${params.input.toString().replaceAll('/+$', '')}/*.txt")
            .map { txt -> [txt.baseName, txt] }
        // A video without its TXT is an error; a TXT without a video is ignored.
        ch_raw = ch_videos
            .join(ch_txts, remainder: true)
            .filter { _id, video, _txt -> video != null }
            .map { id, video, txt ->
                if (txt == null) {
                    error("${video}: no metadata file ${id}.txt beside it in ${params.input}")
                }
                [[id: id, experiment: experiment], video, txt]
            }
    }

    def model = file(params.model, checkIfExists: true)
    def detector_params = params.params_yaml ? file(params.params_yaml, checkIfExists: true) : []

    SCRATCHFLOW(ch_raw, model, detector_params)
}
